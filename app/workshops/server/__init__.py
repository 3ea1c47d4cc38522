"""The workshop server: members submit recipes, staff review, quote and run them; every job is kept once."""
