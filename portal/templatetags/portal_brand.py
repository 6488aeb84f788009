"""`{% portal_brand as brand %}`: the checked branding (`portal.branding`) for a template."""

from __future__ import annotations

from django import template

from portal.branding import Brand, brand

register = template.Library()


@register.simple_tag
def portal_brand() -> Brand:
    return brand()
