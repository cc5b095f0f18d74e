"""Capturing web pages with Playwright and Chromium."""
