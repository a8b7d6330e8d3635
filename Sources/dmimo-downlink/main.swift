// dmimo-downlink executable.
print("dmimo-downlink")
