package load

import (
	"fmt"
	"time"

	"sluice/bench/procfs"
)

// probe samples the server's process tree, the whole machine and this
// client around a run.
type probe struct {
	pid      int
	cpu0     procfs.CPU
	machine0 time.Duration // busy CPU of every core
	client0  procfs.CPU    // this process and its reaped children
	rss0     uint64
	start    time.Time
	perf     *procfs.Perf
	note     string
}

var perfWorks = sync1(procfs.PerfWorks)

// sync1 memoises a probe of the environment.
func sync1(f func() bool) func() bool {
	var done, v bool
	return func() bool {
		if !done {
			v, done = f(), true
		}
		return v
	}
}

// startProbe returns nil when pid is 0 (no server figures wanted).
func startProbe(pid int, usePerf bool) (*probe, error) {
	if pid == 0 {
		return nil, nil
	}
	p := &probe{pid: pid}
	var err error
	if p.rss0, err = procfs.ReadRSS(pid); err != nil {
		return nil, err
	}
	switch {
	case !usePerf:
		p.note = "perf disabled (-perf=false)"
	case !perfWorks():
		p.note = "perf stat cannot count raw_syscalls here"
	default:
		if p.perf, err = procfs.StartPerf(pid); err != nil {
			p.note = err.Error()
		} else {
			time.Sleep(150 * time.Millisecond) // perf attaches asynchronously
		}
	}
	if p.cpu0, err = procfs.ReadTreeCPU(pid); err != nil {
		return nil, err
	}
	if p.machine0, err = procfs.ReadMachineBusy(); err != nil {
		return nil, err
	}
	p.client0 = procfs.SelfAndChildren()
	p.start = time.Now()
	return p, nil
}

// stop finishes the sample; ops is the number of operations to divide by.
func (p *probe) stop(ops int64) (*Server, error) {
	if p == nil {
		return nil, nil
	}
	cpu1, err := procfs.ReadTreeCPU(p.pid)
	if err != nil {
		return nil, err
	}
	machine1, err := procfs.ReadMachineBusy()
	if err != nil {
		return nil, err
	}
	client := procfs.SelfAndChildren().Sub(p.client0).Total()
	machine := machine1 - p.machine0 - client
	wall := time.Since(p.start)
	rss1, err := procfs.ReadRSS(p.pid)
	if err != nil {
		return nil, err
	}
	d := cpu1.Sub(p.cpu0)
	s := &Server{PID: p.pid, CPUSeconds: d.Total().Seconds(), UserSeconds: d.User.Seconds(),
		SysSeconds: d.System.Seconds(), CPUUtil: d.Total().Seconds() / wall.Seconds(),
		RSSBefore: p.rss0, RSSAfter: rss1, PerfNote: p.note,
		ClientCPUSeconds: client.Seconds(), MachineCPUSeconds: machine.Seconds()}
	if ops > 0 {
		s.CPUUsPerOp = float64(d.Total().Microseconds()) / float64(ops)
		s.MachineUsPerOp = float64(machine.Microseconds()) / float64(ops)
	}
	if p.perf != nil {
		c, err := p.perf.Stop()
		if err != nil {
			s.PerfNote = fmt.Sprint(err)
		} else if ops > 0 {
			s.Syscalls = c[procfs.PerfEvents[0]]
			s.SyscallsOp = float64(s.Syscalls) / float64(ops)
			s.CtxSwitchOp = float64(c[procfs.PerfEvents[1]]) / float64(ops)
		}
	}
	return s, nil
}
