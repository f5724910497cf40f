"""A worker's preload that takes half a minute (a start-up the pool must not wait for to stop)."""

import time

time.sleep(30)
