"""zyg's xDSL dialects: `zyg` (Python-level operations) and `ad` (autodiff requests and helpers)."""
