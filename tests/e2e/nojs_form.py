"""The steps of a reader who comments without JavaScript: the plain form
shows a preview first, and the comment server takes the comment only when
the preview was read for ``MIN_SECONDS`` (its time token)."""

from comments.server.form_token import MIN_SECONDS

READING_MS = MIN_SECONDS * 1000 + 200  # a person reads the preview


def open_preview(page):
    """Send the filled form to its preview; wait until it shows."""
    page.get_by_role("button", name="Vorschau ansehen").click()
    page.get_by_role("heading", name="Vorschau Ihres Kommentars").wait_for()


def publish_after_reading(page):
    """Read the preview as long as a person does, then publish."""
    page.wait_for_timeout(READING_MS)
    page.get_by_role("button", name="Kommentar veröffentlichen").click()


def preview_and_publish(page):
    """Both steps: the filled form to its preview, read, published."""
    open_preview(page)
    publish_after_reading(page)
