"""One article's or page's own file, written as Pelican's generators write it.

The comment refresh (plugins/comment_refresh) and the live preview
(publishing/live/site.py) render single pages outside a full build; both call
``write_content_page`` so they pass the template the same context a build does.
"""

from pelican.contents import Article


def write_content_page(generator, writer, item, override_output):
    """Write ``item`` (an Article or Page) with ``writer`` as its generator does."""
    template = generator.get_template(item.template)
    common = {
        "relative_urls": generator.settings["RELATIVE_URLS"],
        "override_output": override_output,
        "url": item.url,
    }
    if isinstance(item, Article):
        writer.write_file(
            item.save_as,
            template,
            generator.context,
            article=item,
            category=getattr(item, "category", None),
            blog=True,
            **common,
        )
    else:
        writer.write_file(
            item.save_as, template, generator.context, page=item, **common
        )
