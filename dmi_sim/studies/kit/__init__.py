"""What every study shares: one outcome catalogue (``outcomes``), statistics (``stats``),
derived measures of a run's series (``derived``), plot style and saving (``plots``) and
Markdown helpers (``markdown``)."""
