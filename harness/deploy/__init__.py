"""Deploy the tutorial's stack onto any AWS endpoint: settings -> plan (pure) -> executor (boto3)."""
from .executor import DeployError, Executor, StackOutputs, deploy, destroy, observe
from .plan import Call, Fmt, Observed, Plan, Ref, Wait, plan_code_update, plan_deploy, plan_destroy, render
from .settings import StackSettings, TableSpec

__all__ = [
    "Call", "DeployError", "Executor", "Fmt", "Observed", "Plan", "Ref", "StackOutputs", "StackSettings",
    "TableSpec", "Wait", "deploy", "destroy", "observe", "plan_code_update", "plan_deploy", "plan_destroy", "render",
]
