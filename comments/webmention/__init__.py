"""W3C Webmention: safe fetching, endpoint discovery, reading a source's
microformats, and the comment server's background verification."""
