"""Random audits (R5–R8): draw a sample, record verdicts, close with a deduction."""
