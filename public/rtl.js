/* Dastyar: keep the page right-to-left and Persian, and accessible (WCAG 2.1 AA) where Chainlit 2.12 is not.
 *
 * Chainlit never sets <html dir> and leaves lang="en"; React may also touch these attributes, so a
 * MutationObserver puts them back. The same observer (one pass at most every few ms, only changing what
 * differs, so React's re-renders are simply patched again):
 *  - gives Chainlit's icon buttons Persian accessible names (the words come from prompts/a11y.toml, put into
 *    the page shell by assistant/ui/page.py as <script id="dastyar-a11y">; the selectors live here);
 *  - fixes the thread list's structure and the `aria-expanded` on a bare <div>;
 *  - shows a job's «▰▰▱▱» line as a real progressbar (role, value, Persian name);
 *  - announces each new reply, and a job's end, in a polite live region;
 *  - keeps the command menu's highlighted item scrolled into view (and tells the textbox which it is);
 *  - returns focus to where it came from when the focused control disappears (a yes/no, a closed menu). */
(function () {
  "use strict";
  var DIR = "rtl";
  var LANG = "fa";
  var root = document.documentElement;
  if (!root) return;

  function apply() {
    try {
      if (root.getAttribute("dir") !== DIR) root.setAttribute("dir", DIR);
      if (root.getAttribute("lang") !== LANG) root.setAttribute("lang", LANG);
    } catch (e) {
      /* never break the app */
    }
  }

  apply();

  if (typeof MutationObserver !== "function") return;
  try {
    new MutationObserver(apply).observe(root, { attributes: true, attributeFilter: ["dir", "lang"] });
  } catch (e) {
    /* ignore */
  }

  /* ------------------------------------------------------------ the words */
  var TEXT = null;
  function text() {
    if (TEXT) return TEXT;
    try {
      var el = document.getElementById("dastyar-a11y");
      TEXT = el ? JSON.parse(el.textContent) : null;
    } catch (e) {
      TEXT = null;
    }
    return TEXT || { names: {}, live: {} };
  }
  function name(key) {
    return text().names[key] || "";
  }

  function setAttr(el, attr, value) {
    if (value == null) {
      if (el.hasAttribute(attr)) el.removeAttribute(attr);
    } else if (el.getAttribute(attr) !== value) {
      el.setAttribute(attr, value);
    }
  }

  /* ---------------------------------------------------- accessible names */
  // [selector, key in [names]]. A button whose only text is an English sr-only span gets an aria-label too
  // (the label wins over the span when the name is computed).
  var LABELS = [
    ["#sidebar-trigger-button", "sidebar"],
    ['[data-sidebar="rail"]', "sidebar"],
    ["#search-chats-button", "search"],
    ["#new-chat-button", "new_chat"],
    ["#theme-toggle", "theme"],
    ["#user-nav-button", "user_menu"],
    ["#upload-button, #upload-button-loading", "upload"],
    ["#chat-settings-open-modal", "settings"],
    ["#chat-submit", "send"],
    ["#stop-button", "stop"],
    ["div.absolute.bottom-4 > button.rounded-full", "scroll_down"],
    ["#message-composer button:not([id]):not(#attachments button)", "mic"],
    ["#attachments button", "remove_attachment"],
    // Copy shows a check once used; action buttons (yes/no, with their own text) have ids.
    ["button:not([id]):has(> svg.lucide-copy), button:not([id]):has(> svg.lucide-check)", "copy"],
    ["button.positive-feedback-off, button.positive-feedback-on", "like"],
    ["button.negative-feedback-off, button.negative-feedback-on", "dislike"],
    ["button.edit-message", "edit"],
    ['[role="dialog"] button:has(> span.sr-only)', "close"],
    ["#chat-input, #edit-chat-input", "message"],
    ["[cmdk-list]", "suggestions"]
  ];

  function names(scope) {
    for (var i = 0; i < LABELS.length; i++) {
      var label = name(LABELS[i][1]);
      if (!label) continue;
      var found = scope.querySelectorAll(LABELS[i][0]);
      for (var j = 0; j < found.length; j++) setAttr(found[j], "aria-label", label);
    }
    // The upload button is focusable but marked role="presentation" (which browsers then ignore): a button.
    var uploads = scope.querySelectorAll('button[role="presentation"]');
    for (var u = 0; u < uploads.length; u++) setAttr(uploads[u], "role", null);
    // The thread list: an outer <ul> wraps a <div> (not a list item), the inner lists hold the threads.
    var history = document.getElementById("thread-history");
    if (history) {
      var outer = history.parentElement;
      if (outer && outer.tagName === "UL") setAttr(outer, "role", "none");
      setAttr(history, "role", "group");
      setAttr(history, "aria-label", name("threads"));
    }
    // «…» on a thread: a <div> with aria-expanded and aria-haspopup but no role (inside the thread's button).
    var options = document.querySelectorAll('div#thread-options, div[aria-haspopup="menu"]:not([role])');
    for (var k = 0; k < options.length; k++) {
      setAttr(options[k], "role", "button");
      setAttr(options[k], "aria-label", name("thread_options"));
    }
  }

  /* ------------------------------------------------------ progress bars */
  var BAR = /[▰▱]{3,}/;
  var FA_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  function latinDigits(s) {
    return s.replace(/[۰-۹]/g, function (d) { return String(FA_DIGITS.indexOf(d)); }).replace(/٫/g, ".");
  }
  function progressBars(scope) {
    var lines = scope.querySelectorAll('.message-content [role="article"], .message-content [role="progressbar"]');
    for (var i = 0; i < lines.length; i++) {
      var el = lines[i];
      var line = el.textContent || "";
      var bar = line.match(BAR);
      if (!bar) {
        if (el.getAttribute("role") === "progressbar") setAttr(el, "role", "article");
        continue;
      }
      var cells = bar[0].length;
      var filled = (bar[0].match(/▰/g) || []).length;
      var percent = latinDigits(line).match(/(\d+(?:\.\d+)?)\s*[٪%]/);
      var value = percent ? Math.round(parseFloat(percent[1])) : Math.round((100 * filled) / cells);
      setAttr(el, "role", "progressbar");
      setAttr(el, "aria-valuemin", "0");
      setAttr(el, "aria-valuemax", "100");
      setAttr(el, "aria-valuenow", String(Math.max(0, Math.min(100, value))));
      setAttr(el, "aria-label", line.replace(BAR, " ").replace(/\s+/g, " ").trim());
    }
  }

  /* --------------------------------------------------------- live region */
  var live = null;
  function liveRegion() {
    if (live && live.isConnected) return live;
    live = document.createElement("div");
    live.id = "dastyar-live";
    live.className = "dastyar-visually-hidden";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    live.setAttribute("aria-atomic", "true");
    document.body.appendChild(live);
    return live;
  }
  function announce(message) {
    var region = liveRegion();
    region.textContent = "";
    // Emptied first, filled a moment later: the same words twice are still read twice.
    setTimeout(function () { region.textContent = message; }, 60);
  }

  // Replies seen so far, by step id: {text, announced}. A reply is read once it has stopped streaming (no stop
  // button, its text unchanged since the last pass); a job's line again when it reaches an end state. A thread
  // opened from the history draws many messages at once: those are the past, not news, and are not read.
  var seen = {};
  var started = false;
  var MAX_SPOKEN = 600;
  function spoken(el) {
    var body = el.querySelector(".message-content") || el;
    var words = (body.innerText || body.textContent || "").replace(BAR, " ").replace(/\s+/g, " ").trim();
    return words.length > MAX_SPOKEN ? words.slice(0, MAX_SPOKEN) + "…" : words;
  }
  function endedIn(words) {
    var ended = text().live.ended || [];
    for (var i = 0; i < ended.length; i++) if (ended[i] && words.indexOf(ended[i]) >= 0) return ended[i];
    return "";
  }
  function replies() {
    var steps = document.querySelectorAll('[data-step-type="assistant_message"]');
    var fresh = [];
    for (var i = 0; i < steps.length; i++) {
      var inner = steps[i].querySelector('[id^="step-"]');
      var id = steps[i].id || (inner && inner.id);
      if (!id) continue;
      var words = spoken(steps[i]);
      var known = seen[id];
      if (!known) {
        fresh.push({ id: id, words: words });
        continue;
      }
      var changed = known.words !== words;
      known.words = words;
      if (changed) {
        later(); // read once it stops changing
        continue;
      }
      if (document.getElementById("stop-button") || !words) continue;
      if (!known.announced) {
        known.announced = true;
        known.ended = endedIn(words);
        announce((text().live.reply || "") + " " + words);
      } else if (!known.ended && endedIn(words)) {
        known.ended = endedIn(words);
        announce(words);
      }
    }
    var past = !started || fresh.length > 2;
    for (var j = 0; j < fresh.length; j++) {
      seen[fresh[j].id] = { words: fresh[j].words, announced: past, ended: past ? endedIn(fresh[j].words) : "" };
    }
    if (document.getElementById("chat-input")) started = true;
    if (fresh.length) later(); // a reply that arrives whole is read on the next pass
  }

  /* ------------------------------------------------------- command menu */
  function commandMenu() {
    var input = document.getElementById("chat-input");
    var current = document.querySelector('[cmdk-item][data-selected="true"]');
    if (input) setAttr(input, "aria-activedescendant", current && current.id ? current.id : null);
    // The list scrolls: reachable by Tab too, where the arrow keys scroll it (axe's scrollable-region-focusable).
    var list = document.querySelector("[cmdk-list]");
    if (list) setAttr(list, "tabindex", "0");
    if (current && current !== commandMenu.last) {
      commandMenu.last = current;
      if (current.scrollIntoView) current.scrollIntoView({ block: "nearest" });
    }
  }

  /* ---------------------------------------------------------------- focus */
  // The last few controls that had focus. When the focused one leaves the page (a yes/no answered, a menu or a
  // dialog closed along with its trigger), focus goes back to the latest that is still there, else the composer.
  var history = [];
  var pointed = null; // what the last pointer press was on
  document.addEventListener("pointerdown", function (event) { pointed = event.target; }, true);
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (!el || el === document.body) return;
    el.dastyarInMessage = !!(el.closest && el.closest("[data-step-type]"));
    history = history.filter(function (h) { return h !== el && h.isConnected; });
    history.push(el);
    if (history.length > 12) history.shift();
  });
  document.addEventListener("focusout", function (event) {
    var el = event.target;
    // A press somewhere else took focus away on purpose (a click on the page): not ours to bring back.
    if (pointed && el.contains && !el.contains(pointed)) history = [];
    pointed = null;
  });
  function restoreFocus() {
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    var last = history[history.length - 1];
    if (!last || last.isConnected) return; // focus left on purpose, not lost
    history.pop();
    var input = document.getElementById("chat-input");
    // An answer under a reply (yes/no, a choice) goes on in the composer; anything else back along the way.
    if (last.dastyarInMessage && input) return input.focus();
    for (var i = history.length - 1; i >= 0; i--) {
      var el = history[i];
      if (el.isConnected && !el.disabled && el.getClientRects().length && !el.closest("[inert], [aria-hidden=true]")) {
        el.focus();
        return;
      }
    }
    if (input) input.focus();
  }

  /* ------------------------------------------------------------- the pass */
  var queued = false;
  function pass() {
    queued = false;
    try {
      names(document);
      progressBars(document);
      commandMenu();
      replies();
      restoreFocus();
    } catch (e) {
      /* never break the app */
    }
  }
  function later() {
    if (queued) return;
    queued = true;
    setTimeout(pass, 40);
  }
  // For tests: whether a pass is still to come (the page is patched as it is once this is false).
  window.dastyarA11y = { pending: function () { return queued; } };
  function start() {
    try {
      new MutationObserver(later).observe(document.body, {
        childList: true,
        subtree: true,
        characterData: true,
        attributes: true,
        attributeFilter: ["data-selected", "aria-expanded", "aria-label", "disabled", "data-state", "id"]
      });
    } catch (e) {
      /* ignore */
    }
    liveRegion(); // there from the start: screen readers follow a region that exists before it speaks
    later();
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
