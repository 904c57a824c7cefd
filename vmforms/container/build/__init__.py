"""`vmforms container build`: a Dockerfile's parser (parser.py, a pure function) apart
from the executor that runs its steps in containers and commits their layers."""
