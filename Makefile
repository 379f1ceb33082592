# netkit: the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NETKIT := $(BIN)/netkit
STAMP := $(VENV)/.installed
DEB_PACKAGES := python3-venv git frr frr-snmp frr-pythontools snmpd snmp openssh-server openssh-client iproute2 \
  nftables procps iputils-ping prometheus prometheus-alertmanager prometheus-snmp-exporter \
  victoria-metrics chromium fonts-khmeros poppler-utils iperf3

.PHONY: demo demo-down test lint bench deps venv clean unit

deps:  ## Debian packages (only when root; otherwise say what is missing)
	@bash .ci/install-debs $(DEB_PACKAGES)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: deps venv  ## build the lab, provision every lab site, show their connectivity status
	bash .ci/demo

demo-down:  ## stop the exporter, Prometheus, Alertmanager and the lab
	-$(NETKIT) monitor stop
	-$(NETKIT) monitor stack down
	$(NETKIT) lab down

test: deps venv lint  ## everything: unit tests, lab tests, promtool tests
	$(BIN)/pytest -q tests

unit: venv
	$(BIN)/pytest -q tests/unit

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: deps venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info toolkit/*.egg-info
