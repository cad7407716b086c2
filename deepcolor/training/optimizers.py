"""Per-variable learning rates (report 000: VGG16 layers 3e-6, new layers 1e-3) for any Keras optimizer.

Keras 3 has no MultiOptimizer; scaling gradients instead would be wrong for Adam (it normalizes
them away). So the optimizer's own per-variable update gets a scaled learning rate: variables
whose path starts with a given prefix use base_lr x multiplier. Schedules and ReduceLROnPlateau act
on the base rate, so both groups move together, as two optimizers with a shared schedule would.
"""

import keras


def _multiplier(variable, multipliers):
    path = getattr(variable, "path", variable.name)
    for prefix, factor in multipliers.items():
        if path.startswith(prefix):
            return factor
    return 1.0


@keras.saving.register_keras_serializable(package="deepcolor")
class LayerwiseAdam(keras.optimizers.Adam):
    def __init__(self, learning_rate=1e-3, lr_multipliers=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.lr_multipliers = dict(lr_multipliers or {})

    def update_step(self, gradient, variable, learning_rate):
        factor = _multiplier(variable, self.lr_multipliers)
        return super().update_step(gradient, variable, learning_rate * factor if factor != 1.0 else learning_rate)

    def get_config(self):
        return {**super().get_config(), "lr_multipliers": self.lr_multipliers}
