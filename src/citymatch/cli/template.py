"""The commented template ``citymatch criteria new NAME`` writes (a valid criteria set)."""

from __future__ import annotations

__all__ = ["CRITERIA_TEMPLATE"]

#: A valid criteria set with every key explained; ``{name}`` is replaced by the set's name.
CRITERIA_TEMPLATE = '''\
# citymatch criteria set — format_version 1
# Written by `citymatch criteria new {name}`.  Edit it, then check it with
#   citymatch criteria validate {name}.toml
# and rank with
#   citymatch rank my_candidates.csv --criteria {name}.toml --id-column id --name-column name
#
# Every key below is explained; lines starting with # are comments.

format_version = 1           # the file format (always 1)
name = "{name}"              # letters, digits, _ and - (the set's id)
title = "My criteria"        # a human-readable title
version = "1"                # your own version label: bump it when the weights change
description = """What these criteria choose, and for whom."""
source = "Where the criteria and weights come from (a report, a council decision …)."
normalization = "vector"     # "vector" (textbook default), "minmax", "max" or "sum"
# applies_to = ["city"]      # only rank rows whose `kind` column is one of these
# goals = ["trade"]          # the policy's strategic goals the set serves (ids in your
                             # policy file; `criteria validate NAME --policy FILE` checks them)

# One [[criteria]] block per criterion.
[[criteria]]
id = "trade_ties"            # the criterion's id (letters, digits, _ and -)
label = "Existing trade ties"
column = "trade_ties"        # the column of your table it reads (default: the id)
direction = "benefit"        # "benefit": more is better; "cost": less is better
weight = 2                   # any non-negative scale; the set normalises the weights to 1
unit = "score 0-1"           # what the numbers mean
range = [0.0, 1.0]           # optional: values outside it are an error
rationale = "Why this criterion matters (one line)."
# goals = ["trade"]          # optional: the policy goals this criterion measures

[[criteria]]
id = "free_trade"
label = "Free-trade agreement in force"
column = "free_trade"
direction = "benefit"
weight = 1
unit = "0/1"                 # a yes/no criterion: the column may hold Yes/No, True/False,
                             # Y/N or 1/0 (any case); what-if analysis only flips it
rationale = "Market access for local firms."

# Instead of a `weight` on each criterion, weights can come from AHP judgements (then
# remove every `weight =` line above).  `matrix[i][j]` says how much more important
# child i is than child j (1 = equal, 3, 5, 7, 9; "1/3" for the reverse).
# [ahp]
# method = "eigenvector"     # or "geometric_mean"
# ri = "saaty1980"           # random-index table for the consistency ratio (CR)
# threshold = 0.10           # `criteria validate` fails above this CR
#
# [[ahp.nodes]]
# id = "goal"
# children = ["trade_ties", "free_trade"]
# matrix = [[1, 2], ["1/2", 1]]

# Screening rules exclude candidates before scoring (kept apart from the weights).
# kind: "require" (keep only if column op value holds), "exclude" (drop if it holds),
# "max_per_group" (at most `max` per group, counting rows flagged in `occupied`),
# "max_total" (a cap on relationships flagged in `occupied`).
# op: ==, !=, <, <=, >, >=, in, not in, missing, present.
# [[screening]]
# id = "diplomatic_relations"
# description = "Our country must have diplomatic relations with the candidate's."
# kind = "require"
# column = "diplomatic_relations"
# op = "=="
# value = true
'''
