"""The chat server with the tests' job kinds too (`dastyar serve --app tests/fixture_app.py`)."""

import tests.job_fixtures  # noqa: F401  (test_count, test_proc …)
from assistant.ui.chainlit_app import *  # noqa: F403  (the app's Chainlit callbacks)
