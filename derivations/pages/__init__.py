"""One module per generated page: each turns results into Markdown and nothing else."""
