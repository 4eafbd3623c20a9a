from .pagefind_search import register

__all__ = ["register"]
