"""The Hugging Face Hub: search, info, resumable downloads into the standard cache, what is installed."""
