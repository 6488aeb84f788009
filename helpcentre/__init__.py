"""The help centre: categories and articles, one version per language, searched and voted on."""
