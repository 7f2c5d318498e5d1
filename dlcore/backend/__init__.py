"""The only package that knows which array library runs an op: NumPy on the CPU (CuPy on CUDA later)."""
