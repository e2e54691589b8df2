"""The Gradio chat over the life log."""
