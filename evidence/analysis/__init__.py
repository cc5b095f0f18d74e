"""Reading and comparing images: OCR text layers, perceptual hashes, fuzzy text scores, matching a
supplied screenshot to captures, near-duplicates, and comparing two captures of a post.

Pure functions on images and text (no store, no custody log): the API records what they find.
See docs/analysis.md for what is computed and the thresholds.
"""

from .compare import compare_captures
from .match import Candidate, match_image, near_duplicates
from .ocr import ocr_image
from .textmatch import normalise, text_score
from .visualhash import hash_distance, image_hashes

__all__ = ["Candidate", "compare_captures", "hash_distance", "image_hashes", "match_image", "near_duplicates",
           "normalise", "ocr_image", "text_score"]
