"""Persian vocabulary of the product's domain: concept classes for the intent model, task and topic names.

Knowledge of the language, not of any test set: a concept lists the words (stems, matched at a word's start
in the canonical form of agents/intent.py) that Persian speakers use for one idea, formal, colloquial and as
loanwords in Persian letters. The intent model sees a concept as a feature, so a word it never met in
training still counts as its synonym.
"""

from __future__ import annotations

CONCEPTS: dict[str, tuple[str, ...]] = {
    "cancel": (
        "kill", "terminate", "خاتمه", "پایان بده", "نگهدار", "لغو", "کنسل", "متوقف", "استاپ", "stop", "cancel", "abort", "قطعش", "قطع کن", "بکشش", "کیل", "kill",
        "نگهش دار", "نگه دار", "بیخیال", "وایسا", "متوقفش", "توقف", "ابطال", "کنسلش",
    ),
    "resume": (
        "rerun", "ری ران", "ازسرگیری", "دوباره اجرا", "ادامه", "ریژوم", "رزوم", "resume", "continue", "ازسر", "از سر", "از نو", "دوباره", "راه بنداز",
        "راهش بنداز", "ری استارت", "restart", "retry", "ریترای", "پی بگیر", "از همونجا", "از همانجا", "مجدد",
    ),
    "status": (
        "وضعیت", "وضع", "استاتوس", "status", "پیشرفت", "progress", "درصد", "کجا رسید", "کجاست", "تموم", "تمام",
        "مونده", "مانده", "چی شد", "چطور پیش", "رسیده", "کی تموم", "چند درصد",
    ),
    "job": ("کار", "جاب", "job", "تسک", "پروسه", "فرایند", "فرآیند", "process", "عملیات", "پردازش"),
    "number_word": ("شماره", "#", "‹num›", "نمبر", "number", "اولی", "دومی"),
    "download": (
        "dl", "fetch", "بریز رو", "بریزش", "دانلود", "download", "دریافت", "بارگیری", "بارگذاری", "بگیرش", "بگیر", "pull", "بیارش", "بیار",
        "بکش پایین", "داونلود", "دانلد", "دانلوت",
    ),
    "train": (
        "ft", "تیونش", "ترینش", "ترین", "train", "فاین", "فاینتیون", "fine", "finetune", "تیون", "tune", "اموزش بده", "اموزشش", "ریزتنظیم",
        "ریز تنظیم", "تنظیم دقیق", "یاد بده", "اموزش دادن", "تعلیم", "ایپاک", "epoch", "لرنینگ", "بچ سایز", "لورا", "lora",
    ),
    "search": (
        "جستجو", "جستوجو", "جست و جو", "سرچ", "search", "پیدا", "بگرد", "دنبال", "find", "پیشنهاد", "معرفی",
        "سراغ", "لیست مدل", "کدوم مدل", "چه مدل", "یه مدل", "مدل خوب", "مدلی", "سرچش",
    ),
    "model": ("مدل", "model", "برت", "bert", "ویسپر", "whisper", "روبرتا", "پارسبرت", "parsbert", "‹repo›", "llm", "gpt"),
    "dataset": ("دیتاست", "دیتا", "داده", "دادگان", "مجموعه داده", "کورپوس", "corpus", "dataset", "data", "دیتا ست", "ds"),
    "notif": ("اعلان", "نوتیف", "notif", "notification", "هشدار", "اطلاعیه", "پیغام", "پیام"),
    "seen": (
        "dismiss", "کلیر", "پاکسازی", "خالی کن", "خوندم", "خواندم", "خونده", "خوانده", "سین", "seen", "read", "دیدم", "علامت", "مارک", "mark", "پاکشون",
        "پاک کن", "clear", "دیده شد", "دیدمشون", "خوندمشون",
    ),
    "unread": ("نخونده", "نخوانده", "جدید", "تازه", "unread", "new", "ندیده", "ندیدم", "خوانده نشده", "خونده نشده"),
    "system": (
        "usage", "health", "هلث", "memory", "disk", "vram", "سخت افزاری", "سیستم", "سرور", "رم", "ram", "حافظه", "cpu", "سی پی یو", "پردازنده", "gpu", "جی پی یو", "کارت گرافیک",
        "گرافیک", "دیسک", "هارد", "فضا", "منابع", "مصرف", "سخت افزار", "دستگاه", "ماشین", "لود", "load", "حالش",
        "کودا", "cuda", "دما",
    ),
    "help": (
        "features", "capabilities", "what can you", "how to use", "چطوری باهات", "چجوری ازت", "راهنما", "کمک", "help", "دستور", "قابلیت", "امکانات", "بلدی", "برمیاد", "برمی اید", "چیکار", "چه کار",
        "چه کارهایی", "چکار", "commands", "منو", "میتونی", "می توانی", "توانایی",
    ),
    "installed": (
        "cached", "downloaded", "حافظه نهان", "دانلودی", "نصب شده", "نصبه", "دانلود شده", "دانلودشده", "دانلود کردم", "دانلود کرده", "موجوده", "رو دیسک", "روی دیسک",
        "کش", "cache", "installed", "داری", "دارم", "داریم", "گرفتم", "ذخیره شده", "لوکال", "local",
    ),
    "info": (
        "card", "details", "جا میگیره", "گیگه", "مگه", "اطلاعات", "مشخصات", "جزییات", "جزئیات", "لایسنس", "مجوز", "license", "حجم", "سایز", "size", "فایلها",
        "کارت مدل", "info", "درباره", "توضیح", "چند گیگ", "چقدره", "پارامتر",
    ),
    "token": ("توکن", "token", "کلید", "‹token›", "اکسس", "access"),
    "mirror": ("میرور", "mirror", "اینه", "اندپوینت", "endpoint", "ادرس هاب", "‹url›", "سرور هاب", "پروکسی", "proxy"),
    "catalog": ("کاتالوگ", "catalog", "افلاین", "offline", "پیشنهادی", "لیست خودت", "فهرست", "منتخب", "لیست اماده"),
    "speak": (
        "read", "voice", "بگی", "بخونی", "بخون", "بخوان", "بگو", "تلفظ", "به صدا", "صداش", "با صدا", "گفتار", "speak", "tts", "بلند", "صدای زن",
        "صدای مرد", "بشنوم", "پخش", "say", "read aloud",
    ),
    "transcribe": (
        "transcript", "ترنسکرایب", "متن کن", "متنشو", "به متن", "رونویسی", "پیاده", "تایپ", "بنویس", "transcribe", "زیرنویس", "رونوشت", "متنش", "نوشتار",
        "دیکته", "stt",
    ),
    "audio": ("ویس", "وویس", "صوت", "صوتی", "ضبط", "audio", "voice", "‹audio›", "صدا", "جلسه", "پادکست", "مصاحبه"),
    "try": ("inference", "اینفرنس", "evaluate", "run", "ارزیابی", "امتحان", "تست", "آزمایش", "ازمایش", "try", "test", "چک کن", "ببین چی", "پیش بینی", "predict", "اجرا کن روی"),
    "question": (
        "چیه", "یعنی چی", "یعنی", "چطوری", "چجوری", "چرا", "فرق", "بهتره", "به نظرت", "چطور", "چگونه", "چیست", "کدام",
        "کدوم", "اصلا", "دقیقا", "مفهوم", "منظور", "توضیح بده", "what", "why", "how",
    ),
    "negation": ("نکن", "نمیخوام", "نمیخواهم", "لازم نیست", "نیازی نیست", "نزن", "نه", "نکنید", "نمیخواد", "دست نزن"),
    "greet": ("سلام", "درود", "hello", "hi", "صبح بخیر", "وقت بخیر", "خسته نباشی", "چه خبر", "حالت", "خوبی"),
    "thanks": ("مرسی", "ممنون", "متشکر", "سپاس", "دمت گرم", "thanks", "thank", "تشکر", "قربونت", "لطف کردی"),
    "want": ("میخوام", "میخواهم", "لازم دارم", "نیاز دارم", "احتیاج", "بده", "بکن", "کن", "کنید", "بفرمایید", "لطفا"),
    "goal": ("بسازم", "بسازیم", "درست کنم", "پروژه", "برای نظرات", "مشتری", "میخوام یه", "بتونم", "تشخیص بده", "سیستمی"),
    "show": (
        "نشون", "نشان", "نمایش", "ببینم", "بیار", "اعلام", "ارائه", "لیست", "فهرست", "show", "list", "display", "گزارش",
        "بفرست", "چک کن", "check",
    ),
    # Verb moods: an order or a polite request acts; a past tense or a "why" talks about something.
    "imperative": (
        "کن", "کنید", "بکن", "بکنید", "بده", "بدید", "بدین", "دهید", "نمایید", "بفرمایید", "فرمایید", "بگیر", "بگیرید",
        "بزن", "بیار", "بیارید", "بگو", "بگید", "بفرست", "بذار", "بزار", "بنویس", "ببر", "بریز", "کنین", "بکنین",
    ),
    "ask_polite": ("میشه", "میشع", "میتونی", "میتونید", "امکانش", "امکان دارد", "ممکنه", "ممنون میشم", "لطف کن", "زحمت"),
    "past": (
        "کردم", "کردیم", "کرده بودم", "دادم", "شده بود", "بود", "بودم", "گرفتم", "اومد", "امد", "دیدم", "رفت",
        "دیروز", "قبلا", "پارسال", "همکارم", "دوستم",
    ),
    "chain": ("بعد", "سپس", "بعدش", "و بعد", "بعدا", "پس از", "که بعد", "تا بعد"),
}

# Concepts matched as whole words only (their short forms start many other words: «کن» in «کنسل»).
WHOLE_WORDS = frozenset({"imperative", "past", "negation"})

# A phrase of the first concept hides its words from the others: «خوانده‌نشده» (unread) contains «خوانده» (read),
# but it says the opposite.
SHADOWS: dict[str, tuple[str, ...]] = {"unread": ("seen",)}

# Persian task names → Hub pipeline tags (most specific first).
TASKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("text-to-speech", (
        "متن به گفتار", "متن به صدا", "متن به صوت", "تبدیل متن به", "سنتز گفتار", "تولید گفتار", "تولید صدا",
        "به صدا تبدیل", "به گفتار تبدیل", "صدا بسازه", "بلند بخونه", "tts", "text-to-speech",
        "text to speech", "تی تی اس", "گوینده", "تکست تو اسپیچ", "voice cloning", "single speaker",
    )),
    ("automatic-speech-recognition", (
        "تشخیص گفتار", "گفتار به متن", "صوت به متن", "صدا به متن", "بازشناسی گفتار", "شناسایی گفتار", "تبدیل گفتار",
        "به متن تبدیل", "رونویسی", "asr", "speech recognition", "speech-to-text", "stt", "پیاده سازی صوت",
        "speech", "ساخت زیرنویس", "زیرنویس بسازه", "زیرنویس خودکار", "اسپیچ تو تکست", "اسپیچ تو تکس", "ترنسکرایب",
        "ترنسکریپت", "transcribe", "transcription", "voice to text", "audio to text", "ویس به متن", "ویس تو تکست",
    )),
    ("token-classification", (
        "موجودیت", "نامدار", "ان ای ار", "ner", "اسامی خاص", "اسم های خاص", "برچسب گذاری نقش", "token classification",
        "پی او اس", "pos tagging", "اسم اشخاص", "اسم ادم", "bio tagging", "named entity", "entity recognition", "entity extraction",
        "نیمد انتیتی", "نیم انتیتی", "انتیتی", "استخراج موجودیت",
    )),
    ("question-answering", (
        "پرسش و پاسخ", "پرسش پاسخ", "سوال و جواب", "سوال جواب", "جواب سوال", "پاسخ به سوال", "question answering",
        "کیو ای", "qa", "درک مطلب",
    )),
    ("summarization", ("خلاصه", "summarization", "summary", "سامری", "چکیده", "سامرایز", "summarize", "جمع بندی")),
    ("translation", ("ترجمه", "translation", "translate", "مترجم", "ترنسلیت", "پیکره موازی", "پیکره ی موازی",
                     "parallel corpus", "متن موازی", "جمله های موازی", "دوزبانه", "bilingual", "داده موازی",
                     "داده ی موازی", "دیتای موازی", "دیتاست موازی", "parallel data")),
    ("text-classification", (
        "تحلیل احساسات", "احساسات", "احساس", "سنتیمنت", "sentiment", "دسته بندی متن", "طبقه بندی متن",
        "دسته بندی", "طبقه بندی", "classification", "کلاسیفیکیشن", "تشخیص اسپم", "اسپم", "spam", "نظرات مثبت",
        "مثبت و منفی", "مثبت یا منفی", "تشخیص لحن", "تشخیص موضوع", "کلاسیفایر", "classifier", "رضایت", "تشخیص توهین",
        "توهین", "اخبار جعلی", "toxicity", "toxic", "تاکسیک", "intent detection", "تشخیص نیت", "classify",
    )),
    ("sentence-similarity", (
        "شباهت", "امبدینگ", "embedding", "بردار جمله", "similarity", "جستجوی معنایی", "سیمیلاریتی", "semantic search",
        "سمنتیک سرچ", "پارافریز", "paraphrase", "هم معنی", "هم معنا", "duplicate", "داپلیکیت", "sts",
    )),
    ("fill-mask", ("جای خالی", "fill-mask", "fill mask", "ماسک", "مدل زبانی پوشیده", "masked language", "mlm")),
    ("text-generation", (
        "تولید متن", "مدل زبانی", "چت بات", "چتبات", "chatbot", "llm", "text generation", "جنریشن", "گفتگو",
        "مکالمه", "متن بنویسه", "text-generation", "جی پی تی", "gpt", "generative", "جنریتیو", "کپی رایتینگ",
        "copywriting", "تولید محتوا", "محتوا تولید", "content generation", "code generation", "تولید کد",
    )),
)

# Whole words that imply a task when no name above is said, matched as words (never inside one: «چت» is not «چتر»):
# model families that do only one thing, short forms and loanwords («مدلای چت فارسی», «sum fa news», «mt en-fa»).
TASK_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("automatic-speech-recognition", ("whisper", "ویسپر", "wav2vec", "wav2vec2", "ویو تو وک", "hubert")),
    ("text-to-speech", ("speecht5", "vits", "mms-tts", "piper", "کتاب صوتی", "نسخه صوتی", "نسخه ی صوتی")),
    # «چت» as what a model or data is for, not where messages come from («از چت سایت»: the head decides those).
    ("text-generation", ("مدل چت", "مدلای چت", "مدل های چت", "دیتاست چت", "دیتای چت", "داده چت", "برای چت",
                         "chat model", "chat models", "chat dataset", "instruct", "instruction", "اینستراکت",
                         "اینستراکشن")),
    ("summarization", ("sum", "summ", "دایجست", "digest", "ری کپ", "recap", "چکیدش", "چکیدشون", "چکیده شون")),
    ("translation", ("mt", "nmt", "machine translation")),
    ("fill-mask", ("فیل مسک", "فیل ماسک")),
    ("question-answering", ("کوئسشن انسرینگ", "کوشن انسرینگ", "question answer")),
    ("text-classification", ("کلسیفیکیشن", "کلاسیفای", "کلسیفای")),
)

# Weaker cues, read only when no task is named and the task head is unsure: what a goal does said in everyday words
# (audio and writing → transcription; a foreign language and Persian → translation …). In this order.
TASK_CUES: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("text-to-speech", (("بخونه", "بخونن", "بخونتش", "خونده بشه", "بلند بخون", "گوینده", "صدای زن", "صدای مرد",
                         "read aloud", "voice over", "ویس اور", "نریشن", "narration", "صداگذاری"),)),
    ("automatic-speech-recognition", (
        ("صدا", "صوت", "ویس", "voice", "audio", "گفتار", "ضبط", "تماس", "پادکست", "podcast", "حرف میزنم", "حرفامو",
         "حرفام"),
        ("متن", "تایپ", "بنویس", "نوشته", "مکتوب", "txt", "text", "زیرنویس", "تکست"),
    )),
    ("translation", (
        ("انگلیسی", "عربی", "المانی", "آلمانی", "چینی", "ترکی", "فرانسوی", "روسی", "اسپانیایی", "ژاپنی", "کردی",
         "ارمنی", "english", "arabic", "german", "chinese", "turkish", "french"),
        ("فارسی", "زبون خودمون", "زبان خودمون", "persian", "farsi"),
    )),
    ("summarization", (("کوتاه کنه", "کوتاهش کنه", "کوتاه بشه", "tldr", "tl;dr", "دو خطی", "چند خطی", "یه خطی",
                        "خلاصع", "خلاص کنه"),)),
    ("sentence-similarity", (("مشابه", "تکراری", "همین معنی", "یه معنی", "شبیه هم", "similar"),)),
    ("question-answering", (("جواب بده", "جواب بدن", "جوابشون", "جوابش از", "پاسخ بده", "پاسخش", "بپرسه", "بپرسن"),)),
    ("text-generation", (("بنویسه", "پیش نویس", "کپشن", "caption", "بسازه متن", "متن بسازه", "ایده بده"),)),
    ("text-classification", (("جدا کنه", "جدا بشن", "جدا بشه", "جدا کردن", "تفکیک", "فیلتر", "برچسب بزنه", "دسته",
                              "آره یا نه", "اره یا نه"),)),
    ("token-classification", (("استخراج", "دربیاره", "در بیاره", "بکشه بیرون", "بیرون بکشه", "extract"),)),
)

# What a goal is about → the words public data for it goes by on the Hub («نظرات مشتری‌ها راضی‌ان یا نه» → sentiment).
GOAL_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sentiment", ("احساس", "سنتیمنت", "sentiment", "راضی", "ناراضی", "رضایت", "مثبت", "منفی", "عصبانی", "خوشحال",
                   "ناراحت", "حس")),
    ("spam", ("اسپم", "spam", "تبلیغاتی", "کلاهبرداری", "هرزنامه")),
    ("toxic", ("فحش", "توهین", "ناسزا", "آزاردهنده", "ازاردهنده", "toxic")),
    ("news", ("اخبار", "خبر", "news")),
)

# Persian topics → the words the Hub uses in repo names.
TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wiki", ("ویکی پدیا", "ویکیپدیا", "ویکی", "wikipedia")),
    ("news", ("اخبار", "خبر", "خبری", "news")),
    ("reviews", ("نظرات", "کامنت", "نظر کاربر", "نقد", "ریویو", "review", "دیدگاه")),
    ("tweets", ("توییت", "توئیت", "تویت", "tweet", "توییتر")),
    ("poetry", ("شعر", "اشعار", "poem", "حافظ")),
    ("legal", ("حقوقی", "قانون", "legal")),
    ("medical", ("پزشکی", "medical", "سلامت")),
    ("common voice", ("کامن ویس", "common voice", "کامنویس")),
)

# Well-known models and datasets named in Persian letters or by nickname → repo ids. Each has sets of words that
# name it when all appear (matched without spaces, so «پارس برت», «پارس‌برت» and «پارسبرت» are one); most specific
# first.
NICKNAMES: tuple[tuple[str, str, tuple[tuple[str, ...], ...]], ...] = (
    ("HooshvareLab/bert-fa-base-uncased-sentiment-snappfood", "model", (
        ("اسنپفود",), ("snappfood",), ("برت", "اسنپ"),
    )),
    ("HooshvareLab/bert-fa-base-uncased-ner-peyma", "model", (
        ("پیما",), ("peyma",),
    )),
    ("HooshvareLab/bert-fa-zwnj-base", "model", (("برت", "نیمفاصله"), ("parsbert", "zwnj"))),
    ("HooshvareLab/roberta-fa-zwnj-base", "model", (("روبرتا",), ("روبرطا",), ("roberta", "فارسی"), ("roberta", "fa"))),
    ("HooshvareLab/bert-fa-base-uncased", "model", (("پارسبرت",), ("پارسبرط",), ("parsbert",), ("برتفارسی",))),
    ("Systran/faster-whisper-medium", "model", (("فستر", "ویسپر", "مدیوم"), ("فست", "ویسپر", "مدیوم"),
                                              ("faster", "whisper", "medium"))),
    ("Systran/faster-whisper-small", "model", (("فستر", "ویسپر"), ("فستویسپر",), ("faster", "whisper"))),
    ("openai/whisper-small", "model", (
        ("ویسپر", "اسمال"), ("ویسپر", "اسمل"), ("ویسپر", "کوچیک"), ("ویسپر", "کوچک"), ("وسپر", "اسمال"),
        ("whisper", "small"),
    )),
    ("facebook/mms-tts-fas", "model", (("اماماس",), ("mms",))),
    ("persiannlp/parsinlu_translation_fa_en", "dataset", (("پارسینلو", "ترجمه"), ("parsinlu", "translation"))),
    ("persiannlp/parsinlu_sentiment", "dataset", (
        ("پارسینلو", "احساسات"), ("پارسینلو", "سنتیمنت"), ("parsinlu", "sentiment"), ("پارسینلو",), ("parsinlu",),
    )),
    ("HooshvareLab/pn_summary", "dataset", (("پیانسامری",), ("pnsummary",), ("pn_summary",))),
    ("HooshvareLab/wikipedia-fa-20210320", "dataset", (("ویکیپدیا", "هوشواره"), ("wikipedia", "hooshvare"))),
)
