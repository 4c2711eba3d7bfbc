# The two commands: `make run` brings the portal up, `make test` runs every test.
.PHONY: run test
run:
	@bash scripts/run.sh
test:
	@bash scripts/test.sh
