package inbox

// Time zones are the veteran's preference: embed the zone database so a
// container without /usr/share/zoneinfo still knows them.
import _ "time/tzdata"
