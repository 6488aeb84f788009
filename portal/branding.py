"""The organisation's branding on the portal and in its emails, from settings
(`PORTAL_ORGANISATION_NAME`, `PORTAL_LOGO_URL`, `PORTAL_BRAND_COLOUR`, `PORTAL_SUPPORT_HOURS`).

Every value is checked here, once, before a template sees it: the colour goes into a CSS
custom property, so only `#rrggbb` / `#rgb` passes; the logo must come from this site,
because the Content-Security-Policy (`img-src 'self' data:`) would block any other host.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

DEFAULT_COLOUR = "#1d6b73"
DEFAULT_LOGO = "portal/logo.svg"
# The two text colours on the brand colour: the one with more contrast is taken, and one of
# them always reaches WCAG AA (4.5:1) whatever the colour.
LIGHT_INK = "#ffffff"
DARK_INK = "#000000"

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class Brand:
    name: str
    logo_url: str
    colour: str
    colour_ink: str
    hours: str


def colour_checked(value: str) -> str:
    """`value` as lower-case #rrggbb, or the default when it is anything but a hex colour."""
    value = value.strip()
    if not _HEX.match(value):
        if value:
            logger.warning("PORTAL_BRAND_COLOUR %r is not #rrggbb; the default is used", value)
        return DEFAULT_COLOUR
    if len(value) == 4:
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value.lower()


def _luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = []
    for start in (1, 3, 5):
        c = int(colour[start : start + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ink_on(colour: str) -> str:
    """White or dark text on `colour`, whichever reads better."""
    return LIGHT_INK if contrast(colour, LIGHT_INK) >= contrast(colour, DARK_INK) else DARK_INK


def logo_checked(value: str) -> str:
    """A path on this site, or our own logo. `//host/…` is another site, not a path."""
    value = value.strip()
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    if value:
        logger.warning("PORTAL_LOGO_URL %r is not a path on this site; our logo is used", value)
    return static(DEFAULT_LOGO)


def brand() -> Brand:
    """The branding for the current language (the default hours are translated)."""
    colour = colour_checked(settings.PORTAL_BRAND_COLOUR)
    return Brand(
        name=settings.PORTAL_ORGANISATION_NAME.strip() or "Festival Care",
        logo_url=logo_checked(settings.PORTAL_LOGO_URL),
        colour=colour,
        colour_ink=ink_on(colour),
        hours=settings.PORTAL_SUPPORT_HOURS.strip() or gettext("Monday to Friday, 09:00–17:00"),  # noqa: RUF001
    )
