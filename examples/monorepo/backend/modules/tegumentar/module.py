"""The firewall module."""


class TegumentarModule:
    def __init__(self, settings):
        self.settings = settings
