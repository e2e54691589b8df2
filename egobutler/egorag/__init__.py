"""EgoRAG: answering questions over the memory, and the EgoLifeQA benchmark."""
