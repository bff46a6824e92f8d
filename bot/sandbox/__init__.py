"""A local stand-in of the Slack Web API and a driver that sends the app signed Slack requests.

Tests, the demo and the load benchmark use these instead of Slack: ``SlackStandIn`` answers the app's
outbound calls over real HTTP; ``SlackDriver`` sends the app what Slack would send.
"""

from bot.sandbox.driver import DriverResponse, SlackDriver, sign
from bot.sandbox.standin import SlackStandIn

__all__ = ["DriverResponse", "SlackDriver", "SlackStandIn", "sign"]
