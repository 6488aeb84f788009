"""A customer's data: what is kept and for how long, export, erasure and retention."""
