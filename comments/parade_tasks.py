"""The ``parades.*`` commands (`invoke --list parades`): review the Webmentions
other blogs sent to our parades (``comments/parade_commands.py``) and draft a
round-up (``publishing/parade_roundup.py``). tasks.py adds this collection.
"""

from invoke import Collection, task

from comments.commands import STAFF_ACCOUNT_VARIABLE


@task(name="pending")
def parades_pending(c):
    """List the parade participants (and other mentions) waiting for review."""
    from comments.parade_commands import show_pending

    show_pending()


@task(
    name="approve",
    help={
        "mention_id": "the mention, as parades.pending lists it",
        "as": f"your staff account (default: ${STAFF_ACCOUNT_VARIABLE})",
    },
)
def parades_approve(c, mention_id, as_=""):
    """Approve a Webmention: it joins its parade's page with the next build."""
    from comments.parade_commands import approve

    approve(mention_id, as_)


@task(
    name="reject",
    help={
        "mention_id": "the mention, as parades.pending lists it",
        "reason": "spam, off-topic, late or other",
        "as": f"your staff account (default: ${STAFF_ACCOUNT_VARIABLE})",
    },
)
def parades_reject(c, mention_id, reason, as_=""):
    """Reject a Webmention and record why."""
    from comments.parade_commands import reject

    reject(mention_id, reason, as_)


@task(name="roundup", help={"slug": "the parade's slug (its folder under blogparade/)"})
def parades_roundup(c, slug):
    """Write a Markdown draft of the round-up of a parade we host."""
    from publishing.parade_roundup import roundup_command

    roundup_command(slug)


parades = Collection("parades")
for parade_task in (parades_pending, parades_approve, parades_reject, parades_roundup):
    parades.add_task(parade_task)
