from .comment_feeds import register

__all__ = ["register"]
