// panel-node executable.
print("panel-node")
