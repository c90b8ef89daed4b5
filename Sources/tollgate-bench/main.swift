// Placeholder entry replaced by the benchmark driver in the next commit.
print("tollgate-bench")
