"""Evaluation: socle scoring, money per volet, targeting and the analyses built on the scores."""
