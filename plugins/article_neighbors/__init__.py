from .article_neighbors import register

__all__ = ["register"]
