// chain-controller executable.
print("chain-controller")
