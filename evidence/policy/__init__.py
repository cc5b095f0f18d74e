"""The conduct policy: its clause catalogue (:mod:`.catalogue`), allegations that map exhibits to clauses
(:mod:`.allegations`), and clause suggestions for a post (:mod:`.suggest`, an aid only)."""
