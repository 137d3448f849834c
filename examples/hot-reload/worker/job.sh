# The worker's job: edit this line and save; watch rebuilds the image and recreates the worker.
message="worker v1"
while true; do echo "$message: tick"; sleep 5; done
