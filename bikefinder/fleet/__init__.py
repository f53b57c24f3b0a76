"""The fleet: the live systems a rider looks at, and the only code that loads their data.

A :class:`~bikefinder.fleet.fleet.Fleet` holds one
:class:`~bikefinder.fleet.live.LiveSystem` per system (one system is a fleet of one):
each reads its cache first, then the network, refreshes on its own feed ttl and backs
off on its own failures. :meth:`Fleet.prepare` turns the fleet's data into a
:class:`~bikefinder.rider.scene.Scene`, calling the fleet's snapshot hooks once per new
snapshot (trends, where the system is). Both front ends load data only through here;
:mod:`bikefinder.fleet.choice` decides, from the command line, which systems a fleet holds.

Imports the layers below (rider, systems, feeds, common), never a front end.
"""
