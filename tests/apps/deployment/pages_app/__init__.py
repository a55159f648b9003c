"""The README's multi-page recipe (``use_pages=True``): the extension in a
module of its own, the picture in a page module, set up in the factory."""
