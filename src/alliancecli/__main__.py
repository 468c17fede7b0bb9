from alliancecli.entry import run

run()
