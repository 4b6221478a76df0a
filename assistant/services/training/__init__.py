"""Fine-tuning: data checks, plans and estimates, the Trainer run in a job's child process, model cards, /try.

Nothing here imports torch, transformers or datasets at module import: the chat must start fast.
"""

from assistant.services.training.errors import TrainingProblem

__all__ = ["TrainingProblem"]
