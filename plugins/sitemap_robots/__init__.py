from .sitemap_robots import register

__all__ = ["register"]
