"""The extension, made once, imported by the factory and the pages."""

from __future__ import annotations

from flask_dash_images import DynamicImages

images = DynamicImages()
