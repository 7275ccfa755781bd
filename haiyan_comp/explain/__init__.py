"""How an institution's final amount of a year came to be: a tree of figures with the
actual numbers substituted, from the same figures the statement prints."""
