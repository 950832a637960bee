# Makefile: the one command that checks everything is `make test`
# (scripts/test.sh prepares the machine, then runs go vet and go test).

.PHONY: test
test:
	bash scripts/test.sh
