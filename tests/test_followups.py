"""Follow-ups that pick an item of the last list by its place, without a model to run (the journeys through the agent
and a Hub are in test_agent.py)."""

import pytest

from agents.followups import resolve
from agents.router import route
from assistant.persian import normalize

MEMORY = {"last_results": [{"id": "org/first"}, {"id": "org/second"}, {"id": "org/third", "repo_type": "dataset"}]}


def picked(text: str):
    text = normalize(text)
    return resolve(text, route(text), MEMORY)


@pytest.mark.parametrize(("text", "tool", "repo_id"), [
    ("از اون لیستی که دادی، دومی رو بگیر.", "download", "org/second"),  # alone it reads as a list
    ("اولی رو نه، آخری رو بیار پایین", "download", "org/third"),  # the declined item is not the one meant
    ("اطلاعات سومی رو بده", "model_info", "org/third"),
])
def test_an_item_of_the_last_list_by_its_place(text, tool, repo_id):
    r = picked(text)
    assert (r.tool, r.args.get("repo_id")) == (tool, repo_id), text


def test_training_an_item_of_the_last_list():
    r = picked("دومی رو با پنج دور آموزش بده")
    assert (r.tool, r.args.get("base_model"), r.args.get("epochs")) == ("start_training", "org/second", 5)


def test_a_place_that_is_not_an_item():
    assert picked("کار دوم رو لغو کن").tool == "cancel_job"  # a job, not the list's second item
