import subprocess
import sys

import pytest
import yaml
from conftest import REPO

from cimtrain import config as run_config


def test_full_config_and_demo_validate_with_defaults():
    full = run_config.load(REPO / "config.yaml")
    assert full["train"]["batch_size"] == 200 and full["quant"]["weight_bits"] == 5
    assert full["device"]["levels_ltp"] == 32 and full["device"]["nonlinearity_ltd"] == 1.46
    assert full["train"]["grad_scale_decay_epochs"] == [200, 250]
    demo = run_config.load(REPO / "config" / "demo.yaml")
    assert demo["dataset"]["name"] == "digits"


def test_every_schema_property_is_documented_and_defaulted():
    schema = run_config.load_schema()

    def walk(node: dict, where: str) -> None:
        for name, sub in node.get("properties", {}).items():
            assert "default" in sub, f"{where}{name} has no default"
            if sub.get("type") == "object" and "properties" in sub:
                walk(sub, f"{where}{name}.")
            else:
                assert sub.get("description"), f"{where}{name} has no description"

    walk(schema, "")


@pytest.mark.parametrize(("override", "key"), [
    ("train.batchsize=3", "train"),
    ("train.batch_size=0", "train.batch_size"),
    ("quant.weight_bits=hello", "quant.weight_bits"),
    ("dataset.name=imagenet", "dataset.name"),
    ("model.layers=[{type: conv, out: 4}]", "model.layers[0]"),
])
def test_bad_values_name_the_key(override, key):
    with pytest.raises(run_config.ConfigError) as error:
        run_config.load(REPO / "config" / "demo.yaml", [override])
    assert f": {key}:" in str(error.value)


def test_cli_reports_bad_key_and_exits_nonzero(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"train": {"batch_size": -4}}))
    result = subprocess.run([sys.executable, "-m", "cimtrain.cli", "validate-config",
                             "--config", str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "train.batch_size" in result.stderr and "bad.yaml" in result.stderr
