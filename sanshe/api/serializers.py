"""Serializer bases shared by the apps' APIs."""

import copy

from rest_framework import serializers


class ModelSerializer(serializers.ModelSerializer):
    """A ``ModelSerializer`` that builds its fields from the model once per class, not once per instance.

    DRF introspects the model for every serializer it instantiates (about 3 ms for an event with its steps);
    here the first instance's fields are kept on the class and every instance gets a deep copy of them (what
    DRF itself does with declared fields, about 0.7 ms). Only for serializers whose fields do not depend on
    the instance or the request.
    """

    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_prebuilt_fields")
        if prototype is None:
            prototype = super().get_fields()
            cls._prebuilt_fields = prototype
        return copy.deepcopy(prototype)
