"""`python -m bench.nlp`: see bench/nlp/run.py."""

from bench.nlp.run import main

main()
