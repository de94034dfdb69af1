"""What runs and studies leave behind: files, plots, the paper's figures, the report."""
